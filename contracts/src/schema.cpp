// Schema: a JSON Schema compiled once with valijson (draft 7). Validation itself is valijson's; the
// explanation of its errors is schema_explain.cpp's. A compiled Schema is immutable once compiled (on first use,
// under a once flag), so validate() may run on many threads at once (each thread has its own valijson Validator
// and regex cache). accepts() gives the verdict alone on a body QuickJson read (valijson's RapidJSON adapter).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <mutex>
#include <stdexcept>

// valijson's RapidJSON adapter comes before any RapidJSON header (it defines RAPIDJSON_ASSERT).
#include <valijson/adapters/rapidjson_adapter.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include "quick_json_impl.hpp"
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "nanosim/contracts/contract.hpp"
#include "schema_explain.hpp"

namespace nanosim::contracts {

std::string to_string(const Violation& v) { return v.message.empty() ? v.field + ": " + v.rule : v.message; }

struct Schema::Impl {
  json document;  // the schema, with the definitions its "$ref"s point to once ready; valijson resolves them itself
  std::shared_ptr<const json> definitions;  // attached to document when it is first needed
  std::string name;
  valijson::Schema compiled;
  std::once_flag ready_once;
  std::string error;  // why it does not compile, once tried

  void make_ready() {
    if (definitions) {
      document = with_definitions(document, *definitions);
      definitions.reset();
    }
    try {
      valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
      valijson::adapters::NlohmannJsonAdapter adapter(document);
      parser.populateSchema(adapter, compiled);
    } catch (const std::exception& e) {
      error = "schema " + name + " does not compile: " + e.what();
    }
  }
  void ready() {
    std::call_once(ready_once, [this] { make_ready(); });
    if (!error.empty()) throw std::invalid_argument(error);
  }
};

Schema::Schema(const json& schema_document, std::string name) : impl_(std::make_unique<Impl>()) {
  impl_->document = schema_document;
  impl_->name = std::move(name);
  impl_->ready();  // a schema made on its own is compiled (or refused) at once
}

Schema::Schema(const json& schema, std::string name, const json& definitions)
    : Schema(with_definitions(schema, definitions), std::move(name)) {}

Schema::Schema(const json& schema, std::string name, std::shared_ptr<const json> definitions)
    : impl_(std::make_unique<Impl>()) {
  impl_->document = schema;
  impl_->name = std::move(name);
  if (definitions && !definitions->empty()) impl_->definitions = std::move(definitions);
}

void Schema::compile() const { impl_->ready(); }

json Schema::with_definitions(const json& schema, const json& definitions) {
  if (!schema.is_object() || !definitions.is_object() || definitions.empty()) return schema;
  json document = schema;
  json merged = definitions;
  if (schema.contains("definitions") && schema.at("definitions").is_object()) {
    merged.update(schema.at("definitions"));  // the schema's own definitions win
  }
  document["definitions"] = std::move(merged);
  return document;
}

Schema::~Schema() = default;
Schema::Schema(Schema&&) noexcept = default;
Schema& Schema::operator=(Schema&&) noexcept = default;

namespace {
/// valijson measures minLength/maxLength with strlen (utils::u8_strlen(s.c_str())), so a NUL ends a string early:
/// "\u0000" would be too short and "a\u0000" + 3000 characters would pass maxLength 2500. Strings are validated
/// with each NUL as U+0001: one character too, and like NUL neither whitespace nor printable.
bool has_nul(const json& value) {
  if (value.is_string()) return value.get_ref<const std::string&>().find('\0') != std::string::npos;
  if (!value.is_structured()) return false;
  for (const auto& item : value) {
    if (has_nul(item)) return true;
  }
  return false;
}

json without_nul(json value) {
  if (value.is_string()) {
    auto& text = value.get_ref<std::string&>();
    std::replace(text.begin(), text.end(), '\0', '\x01');
  } else if (value.is_structured()) {
    for (auto& item : value) item = without_nul(std::move(item));
  }
  return value;
}

/// One validator per thread, kept: valijson caches each "pattern" it compiles (std::regex) in its validator, so a
/// validator made per call would compile every pattern of the schema on every request. Strict types: "1" is not a
/// number.
valijson::Validator& thread_validator() {
  thread_local valijson::Validator validator;
  return validator;
}

}  // namespace

bool Schema::accepts(const QuickJson& body) const {
  if (!body.usable()) throw std::invalid_argument("Schema::accepts: the text must take the full path (validate)");
  impl_->ready();
  const valijson::adapters::RapidJsonAdapter adapter(body.impl_->reading->document);
  try {
    return thread_validator().validate(impl_->compiled, adapter, nullptr);
  } catch (const std::exception&) {
    return false;  // validate() says why
  }
}

std::vector<Violation> Schema::validate(const json& instance) const {
  impl_->ready();
  valijson::Validator& validator = thread_validator();
  valijson::ValidationResults results;
  const json nul_free = has_nul(instance) ? without_nul(instance) : json();
  valijson::adapters::NlohmannJsonAdapter adapter(nul_free.is_null() ? instance : nul_free);
  try {
    if (validator.validate(impl_->compiled, adapter, &results)) return {};
  } catch (const std::exception& e) {
    return {Violation{"", "schema", "body: schema " + impl_->name + " could not be applied (" + e.what() + ")"}};
  }
  std::vector<detail::RawError> errors;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) errors.push_back({std::move(error.context), std::move(error.description)});
  auto violations = detail::explain(impl_->document, instance, errors);
  if (violations.empty()) violations.push_back({"", "schema", "body: does not match schema " + impl_->name});
  return violations;
}

const json& Schema::document() const {
  try {
    impl_->ready();
  } catch (const std::invalid_argument&) {
    // the document is still whole (definitions attached) when the schema itself does not compile
  }
  return impl_->document;
}
const std::string& Schema::name() const { return impl_->name; }

}  // namespace nanosim::contracts
