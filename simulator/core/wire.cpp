#include "wire.hpp"

#include <algorithm>
#include <cctype>

namespace nanosim::core {

Route route(const contracts::Contract& contract, ProviderCall& call) {
  Route out;
  out.match = call.route ? std::move(call.route) : contract.match(call.http.method, call.path);
  call.route.reset();
  if (!out.match) out.error_kind = contract.path_known(call.path) ? "method_not_allowed" : "route_not_found";
  return out;
}

std::string expand(std::string_view path_template, const std::map<std::string, std::string>& params) {
  std::string out;
  for (std::size_t i = 0; i < path_template.size();) {
    if (path_template[i] == '{') {
      const std::size_t close = path_template.find('}', i);
      const std::string name(path_template.substr(i + 1, close - i - 1));
      const auto it = params.find(name);
      out += it != params.end() ? percent_encode(it->second) : "";
      i = close + 1;
    } else {
      out += path_template[i++];
    }
  }
  return out;
}

void append_expanded(std::string& out, std::string_view path_template, PathParams params) {
  for (std::size_t i = 0; i < path_template.size();) {
    const std::size_t open = path_template.find('{', i);
    if (open == std::string_view::npos) {
      out += path_template.substr(i);
      break;
    }
    out += path_template.substr(i, open - i);
    const std::size_t close = path_template.find('}', open);
    const std::string_view name = path_template.substr(open + 1, close - open - 1);
    for (const auto& [param, value] : params) {
      if (param == name) append_percent_encoded(out, value);
    }
    i = close + 1;
  }
}

std::string expand(std::string_view path_template, PathParams params) {
  std::string out;
  out.reserve(path_template.size() + 32);
  append_expanded(out, path_template, params);
  return out;
}

bool flag(const std::optional<std::string>& value) {
  if (!value) return false;
  std::string lower = *value;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower == "1" || lower == "true";
}

std::string size_tier(const nlohmann::json& value) {
  std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  if (text == "0.5K") return "512";
  return text;
}

std::string describe(const JobSpec& spec) {
  std::size_t cut = std::min<std::size_t>(spec.prompt.size(), 120);
  while (cut > 0 && cut < spec.prompt.size() && (static_cast<unsigned char>(spec.prompt[cut]) & 0xC0) == 0x80) {
    --cut;  // never split a UTF-8 character: the text goes into a JSON body, which must stay valid UTF-8
  }
  std::string subject = spec.prompt.substr(0, cut);
  return "Here is your " + spec.aspect_ratio + " image (" + std::to_string(spec.width) + "x" +
         std::to_string(spec.height) + "): " + subject;
}

std::vector<ImageReference> image_references(const nlohmann::json& body, std::string_view name) {
  std::vector<ImageReference> out;
  const auto member = body.find(name);
  if (member == body.end()) return out;
  const std::string field(name);
  if (member->is_string()) out.push_back({field, member->get<std::string>()});
  if (member->is_object()) out.push_back({field + ".url", member->at("url").get<std::string>()});
  if (member->is_array()) {
    for (std::size_t i = 0; i < member->size(); ++i) {
      out.push_back({field + "[" + std::to_string(i) + "]", member->at(i).get<std::string>()});
    }
  }
  return out;
}

std::vector<std::string> reference_values(const std::vector<ImageReference>& references) {
  std::vector<std::string> values;
  values.reserve(references.size());
  for (const ImageReference& reference : references) values.push_back(reference.value);
  return values;
}

nlohmann::json openai_images(ProviderContext& context, ProviderCall& call, const JobView& job,
                             std::string_view response_format) {
  nlohmann::json data = nlohmann::json::array();
  for (const OutputFile& file : job.outputs) {
    if (response_format == "b64_json") {
      data.push_back({{"b64_json", images::base64_encode(*context.image_bytes(call, file.image))}});
    } else {
      data.push_back({{"url", ProviderContext::file_url(call.origin, file)}});
    }
  }
  return {{"created", context.unix_ms(job.finished_at.value_or(job.submitted_at)) / 1000}, {"data", std::move(data)}};
}

nlohmann::json inline_image_part(ProviderContext& context, ProviderCall& call, const OutputFile& file) {
  return {{"inlineData",
           {{"mimeType", std::string(images::mime_type(file.image.format))},
            {"data", images::base64_encode(*context.image_bytes(call, file.image))}}}};
}

}  // namespace nanosim::core
