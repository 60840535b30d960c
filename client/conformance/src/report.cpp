// Reports: the table people read, JUnit XML for CI systems (one testcase per rule), JSON for machines.
#include <algorithm>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <strings.h>

#include "conformance_internal.hpp"

namespace nanosim::conformance {
namespace {

bool is_credential(const std::string& name) {
  for (const char* secret : {"Authorization", "x-goog-api-key", "x-api-key", "api-key", "Cookie", "Proxy-Authorization"}) {
    if (strcasecmp(name.c_str(), secret) == 0) return true;
  }
  return false;
}

bool is_text(const std::string& content_type) {
  return content_type.empty() || content_type.find("json") != std::string::npos || content_type.find("text") != std::string::npos;
}

/// The first `limit` bytes of a text body (cut at a character boundary), or a note of a binary one's size.
std::string excerpt(const std::string& body, const std::string& content_type, std::size_t limit) {
  if (!is_text(content_type)) return "<" + std::to_string(body.size()) + " bytes of " + content_type + ">";
  if (body.size() <= limit) return body;
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(body[cut]) & 0xC0) == 0x80) --cut;
  return body.substr(0, cut) + "...";
}

std::string xml_escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 forbids most control characters, even escaped.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') out += ' ';
        else out += c;
    }
  }
  return out;
}

std::string request_line(const Exchange& ex) {
  std::string line = ex.request.method + " " + ex.base + ex.request.path;
  char separator = '?';
  for (const auto& [name, value] : ex.request.query) {
    line += separator + name + "=" + (name == "key" ? std::string("REDACTED") : value);
    separator = '&';
  }
  return line;
}

/// The failure's evidence as lines of text.
std::string evidence_text(const RuleResult& rule) {
  std::ostringstream out;
  for (const Exchange& ex : rule.evidence) {
    out << "request:  " << request_line(ex) << "\n";
    if (!ex.request.body.empty()) out << "          " << excerpt(ex.request.body, ex.request.header("Content-Type").value_or(""), 300) << "\n";
    if (ex.response) {
      out << "answer:   HTTP " << ex.response->status;
      if (const auto retry = ex.response->header("Retry-After")) out << " (Retry-After: " << *retry << ")";
      out << " " << excerpt(ex.response->body, ex.response->content_type(), 400) << "\n";
    } else if (!ex.transport_error.empty()) {
      out << "answer:   none (" << ex.transport_error << ")\n";
    }
  }
  for (const Breach& breach : rule.breaches) out << "broken:   " << to_string(breach) << "\n";
  return out.str();
}

}  // namespace

json Exchange::to_json(std::size_t limit) const {
  json headers = json::object();
  for (const auto& [name, value] : request.headers) headers[name] = is_credential(name) ? "REDACTED" : value;
  json out = {{"request", {{"method", request.method}, {"url", request_line(*this).substr(request.method.size() + 1)},
                           {"headers", headers},
                           {"body", excerpt(request.body, request.header("Content-Type").value_or(""), limit)}}}};
  if (response) {
    json answer_headers = json::object();
    for (const auto& [name, value] : response->headers) answer_headers[name] = value;
    out["response"] = {{"status", response->status}, {"headers", answer_headers},
                       {"body", excerpt(response->body, response->content_type(), limit)}};
  } else {
    out["transport_error"] = transport_error;
  }
  return out;
}

json RuleResult::to_json() const {
  json breaches_json = json::array();
  for (const Breach& b : breaches) breaches_json.push_back(b.to_json());
  json evidence_json = json::array();
  for (const Exchange& e : evidence) evidence_json.push_back(e.to_json());
  return {{"id", id}, {"title", title}, {"cost", cost}, {"verdict", std::string(conformance::to_string(verdict))},
          {"reason", reason}, {"contract_pointer", contract_pointer}, {"provenance", provenance},
          {"generations", generations}, {"breaches", breaches_json}, {"evidence", evidence_json}, {"seconds", seconds}};
}

json Report::to_json() const {
  json rules_json = json::array();
  for (const RuleResult& r : rules) rules_json.push_back(r.to_json());
  return {{"provider", provider}, {"target", target}, {"nanosim", nanosim}, {"budget", budget ? json(*budget) : json(nullptr)},
          {"generations", generations}, {"passed", count(Verdict::passed)}, {"failed", count(Verdict::failed)},
          {"skipped", count(Verdict::skipped)}, {"rules", rules_json}};
}

json to_json(const std::vector<Report>& reports) {
  json out = json::array();
  for (const Report& r : reports) out.push_back(r.to_json());
  return {{"passed", all_passed(reports)}, {"reports", out}};
}

void print_table(const std::vector<Report>& reports, std::ostream& out) {
  for (const Report& report : reports) {
    out << "nanosim check " << report.provider << " at " << report.target << (report.nanosim ? " (nanosim)" : "") << "\n";
    std::size_t width = 4;
    for (const RuleResult& r : report.rules) width = std::max(width, r.id.size());
    for (const RuleResult& r : report.rules) {
      const char* mark = r.verdict == Verdict::passed ? "PASS" : r.verdict == Verdict::failed ? "FAIL" : "SKIP";
      out << "  " << mark << "  " << std::left << std::setw(static_cast<int>(width)) << r.id << "  " << r.title;
      if (r.verdict != Verdict::passed && !r.reason.empty()) out << "\n        " << r.reason;
      out << "\n";
      if (r.verdict != Verdict::failed) continue;
      std::istringstream lines(evidence_text(r));
      for (std::string line; std::getline(lines, line);) out << "        " << line << "\n";
      if (!r.provenance.is_null()) out << "        rule:     " << r.contract_pointer << " " << r.provenance.dump() << "\n";
    }
    out << report.rules.size() << " rules: " << report.count(Verdict::passed) << " passed, " << report.count(Verdict::failed)
        << " failed, " << report.count(Verdict::skipped) << " skipped; " << report.generations << " generation(s) started";
    if (report.target.rfind("http", 0) == 0) out << " (budget " << (report.budget ? std::to_string(*report.budget) : std::string("unlimited")) << ")";
    out << "\n";
  }
}

std::string to_junit(const std::vector<Report>& reports) {
  std::ostringstream out;
  std::size_t tests = 0, failures = 0, skipped = 0;
  for (const Report& r : reports) {
    tests += r.rules.size();
    failures += r.count(Verdict::failed);
    skipped += r.count(Verdict::skipped);
  }
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"nanosim check\" tests=\"" << tests
      << "\" failures=\"" << failures << "\" skipped=\"" << skipped << "\">\n";
  for (const Report& r : reports) {
    double total = 0;
    for (const RuleResult& rule : r.rules) total += rule.seconds;
    out << "  <testsuite name=\"" << xml_escape("nanosim check " + r.provider) << "\" tests=\"" << r.rules.size()
        << "\" failures=\"" << r.count(Verdict::failed) << "\" errors=\"0\" skipped=\"" << r.count(Verdict::skipped)
        << "\" time=\"" << total << "\">\n";
    out << "    <properties><property name=\"target\" value=\"" << xml_escape(r.target) << "\"/>"
        << "<property name=\"generations\" value=\"" << r.generations << "\"/></properties>\n";
    for (const RuleResult& rule : r.rules) {
      out << "    <testcase classname=\"" << xml_escape(r.provider) << "\" name=\"" << xml_escape(rule.id) << "\" time=\""
          << rule.seconds << "\">";
      if (rule.verdict == Verdict::failed) {
        out << "\n      <failure message=\"" << xml_escape(rule.reason) << "\" type=\""
            << xml_escape(rule.breaches.empty() ? std::string("failed") : rule.breaches.front().rule) << "\">"
            << xml_escape(rule.title + "\n" + evidence_text(rule) + "rule: " + rule.contract_pointer + " " +
                          rule.provenance.dump())
            << "</failure>\n    ";
      } else if (rule.verdict == Verdict::skipped) {
        out << "<skipped message=\"" << xml_escape(rule.reason) << "\"/>";
      }
      out << "</testcase>\n";
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
  return out.str();
}

}  // namespace nanosim::conformance
