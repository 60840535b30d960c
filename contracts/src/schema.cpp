// Schema: a JSON Schema compiled once with valijson (draft 7). Validation itself is valijson's; the
// explanation of its errors is schema_explain.cpp's. A compiled Schema is immutable, so validate() may run
// on many threads at once (each call has its own valijson Validator and regex cache).
#include <stdexcept>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "nanosim/contracts/contract.hpp"
#include "schema_explain.hpp"

namespace nanosim::contracts {

std::string to_string(const Violation& v) { return v.message.empty() ? v.field + ": " + v.rule : v.message; }

struct Schema::Impl {
  json document;  // the schema, with the definitions its "$ref"s point to; valijson resolves them itself
  std::string name;
  valijson::Schema compiled;
};

Schema::Schema(const json& schema_document, std::string name) : impl_(std::make_unique<Impl>()) {
  impl_->document = schema_document;
  impl_->name = std::move(name);
  try {
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(impl_->document);
    parser.populateSchema(adapter, impl_->compiled);
  } catch (const std::exception& e) {
    throw std::invalid_argument("schema " + impl_->name + " does not compile: " + e.what());
  }
}

Schema::Schema(const json& schema, std::string name, const json& definitions)
    : Schema(with_definitions(schema, definitions), std::move(name)) {}

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

std::vector<Violation> Schema::validate(const json& instance) const {
  valijson::Validator validator;  // strict types: "1" is not a number
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter adapter(instance);
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

const json& Schema::document() const { return impl_->document; }
const std::string& Schema::name() const { return impl_->name; }

}  // namespace nanosim::contracts
