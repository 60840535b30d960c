#include "form_body.hpp"

#include <algorithm>
#include <cctype>

#include "../gemini/inline_image.hpp"

namespace nanosim::providers::toapis {
namespace {

using core::json;

/// "42" → 42, "{…}" → the object; anything else stays the string it was sent as.
json field_value(const std::string& text) {
  if (!text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); }) &&
      text.size() < 10) {
    return std::stoi(text);
  }
  if (!text.empty() && text.front() == '{') {
    json object = json::parse(text, nullptr, false);
    if (object.is_object()) return object;
  }
  return text;
}

void put(json& body, std::string name, json value) {
  const bool listed = name.size() > 2 && name.compare(name.size() - 2, 2, "[]") == 0;
  if (listed) name.resize(name.size() - 2);
  const auto open = name.find('[');
  if (open != std::string::npos && open > 0 && name.back() == ']') {  // metadata[resolution]
    json& object = body[name.substr(0, open)];
    if (!object.is_object()) object = json::object();
    object[name.substr(open + 1, name.size() - open - 2)] = std::move(value);
    return;
  }
  if (!body.contains(name)) {
    body[name] = listed ? json::array({std::move(value)}) : std::move(value);
  } else if (body[name].is_array()) {
    body[name].push_back(std::move(value));
  } else {
    body[name] = json::array({body[name], std::move(value)});
  }
}

}  // namespace

std::variant<FormBody, contracts::Violation> read_form(const contracts::Operation& op, const std::vector<FormPart>& form) {
  const json files = op.raw.at("request").at("multipart").at("file_fields");
  FormBody out{json::object(), {}};
  for (const FormPart& part : form) {
    if (part.filename.empty()) {
      put(out.body, part.name, field_value(part.content));
      continue;
    }
    std::string name = part.name;
    if (name.size() > 2 && name.compare(name.size() - 2, 2, "[]") == 0) name.resize(name.size() - 2);
    if (std::find(files.begin(), files.end(), name) == files.end()) {
      return contracts::Violation{name, "type", name + ": must not be a file upload"};
    }
    const std::string field = name + "[" + std::to_string(out.uploads.size()) + "]";
    if (const auto fault = gemini::check_image_bytes(part.content, field)) {
      return contracts::Violation{field, "image", field + ": " + fault->message};
    }
    std::string note;
    if (const auto image = images::probe(part.content)) {
      note = "uploaded " + std::string(images::mime_type(image->format)) + " " + std::to_string(image->width) + "x" +
             std::to_string(image->height);
    } else {
      note = "uploaded " + part.content_type;
    }
    out.uploads.push_back({field, std::move(note)});
  }
  return out;
}

}  // namespace nanosim::providers::toapis
