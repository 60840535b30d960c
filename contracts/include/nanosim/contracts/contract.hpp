#pragma once
// nanosim::contracts: the providers' machine-readable contracts, embedded at build time.
// A contract is parsed and its schemas compiled once per process; every accessor is thread-safe
// (contracts are immutable after load).

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "nanosim/http_message.hpp"

namespace nanosim::contracts {

using nlohmann::json;

/// One way a request broke a schema rule. `field` is a dotted path into the body
/// ("prompt", "image_urls[3]", "generationConfig.imageConfig.aspectRatio"), empty for the whole body;
/// `rule` the JSON Schema keyword that failed ("maxLength", "enum", "required", "type", ...);
/// `message` a sentence naming the field and the rule, fit to send back to a client.
struct Violation {
  std::string field;
  std::string rule;
  std::string message;
};
std::string to_string(const Violation& v);

/// A JSON Schema compiled once (valijson). Local "#/definitions/..." references of its contract are resolved.
/// A schema made on its own compiles at once (throwing std::invalid_argument when it cannot); a contract's schemas
/// (the shared-definitions constructor) compile on first use, so its many schemas cost nothing until a request needs
/// one (thread-safe).
class Schema;

/// A JSON text read once (RapidJSON, several times quicker than nlohmann's parser) for yes-or-no checks against
/// one schema or several. It is usable only when every parser reads the text alike: valid JSON without a `\u`
/// escape (valijson measures a string up to a NUL; RapidJSON keeps a lone low surrogate that nlohmann refuses) and
/// without a member name repeated in one object (nlohmann keeps the last, RapidJSON finds the first). Any other
/// text takes the full path: Schema::validate on nlohmann's reading, which also explains what is wrong.
class QuickJson {
 public:
  explicit QuickJson(std::string_view text);
  ~QuickJson();
  QuickJson(const QuickJson&) = delete;
  QuickJson& operator=(const QuickJson&) = delete;
  [[nodiscard]] bool usable() const;

 private:
  friend class Schema;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class Schema {
 public:
  Schema(const json& schema_document, std::string name);
  /// A schema whose "$ref"s point into a contract's shared definitions ("#/definitions/x"): the definitions are
  /// attached to the compiled document (the schema's own definitions win on a name clash).
  Schema(const json& schema, std::string name, const json& definitions);
  /// The same, the definitions shared by every schema of a contract (attached when the schema is first used).
  Schema(const json& schema, std::string name, std::shared_ptr<const json> definitions);
  ~Schema();
  Schema(Schema&&) noexcept;
  Schema& operator=(Schema&&) noexcept;
  /// Empty when the instance is valid. Violations are ordered most specific first.
  [[nodiscard]] std::vector<Violation> validate(const json& instance) const;
  /// validate(json::parse(text)).empty() for the text `body` read, when `body.usable()` (throws
  /// std::invalid_argument otherwise): the verdict without the explanation, for a check that passes far more often
  /// than it fails.
  [[nodiscard]] bool accepts(const QuickJson& body) const;
  [[nodiscard]] const json& document() const;
  [[nodiscard]] const std::string& name() const;
  /// Compiles now (a schema that does not compile throws std::invalid_argument, as on first use).
  void compile() const;

 private:
  static json with_definitions(const json& schema, const json& definitions);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// A documented endpoint of a provider.
struct Operation {
  std::string name;           // "submit", "status", "result", "cancel", ...
  std::string method;         // "POST"
  std::string path;           // "/v1/queue/{model}/requests/{request_id}/status" (after the documented base URL)
  std::string content_type;   // request content type, empty when there is no body
  const Schema* request_schema = nullptr;       // null when the operation takes no body
  std::map<int, const Schema*> response_schemas;  // HTTP status -> schema of the body
  std::string model_param;    // the name of the parameter that names the model ("model_param"), empty when none
  bool streams = false;       // its 200 answer is text/event-stream
  json raw;                   // the operation's whole entry in the contract
};

/// A request matched to an operation, with its path parameters.
struct RouteMatch {
  const Operation* operation = nullptr;
  std::map<std::string, std::string> params;
};

/// A request parameter an operation refuses outright (its "unsupported" list), as found in a request.
struct UnsupportedParameter {
  std::string in;     // "query", "header" or "body"
  std::string name;   // the parameter as the contract names it ("fal_webhook", "imageOutputOptions")
  std::string error;  // the catalog kind to answer with
};

/// An entry of the error catalog rendered to the wire.
struct ErrorSpec {
  std::string kind;
  int http_status = 500;
  json body;                                   // template: "{name}" placeholders inside strings
  std::map<std::string, std::string> headers;  // templates too
  json raw;
};

class Contract {
 public:
  explicit Contract(json document);
  ~Contract();
  Contract(const Contract&) = delete;
  Contract& operator=(const Contract&) = delete;

  [[nodiscard]] const std::string& id() const;
  [[nodiscard]] const json& document() const;
  /// Compiles every schema now (they compile on first use otherwise); throws std::invalid_argument naming the
  /// first that does not.
  void compile_all() const;
  /// The provider's documented base URL ("https://odirouter.ai/model").
  [[nodiscard]] std::string documented_base_url() const;

  [[nodiscard]] const std::vector<Operation>& operations() const;
  [[nodiscard]] const Operation& operation(std::string_view name) const;  // throws std::out_of_range
  /// Matches a method and a path (relative to the provider's base) against the operations' templates.
  [[nodiscard]] std::optional<RouteMatch> match(std::string_view method, std::string_view path) const;
  /// True when some operation's path template matches the path, whatever the method.
  [[nodiscard]] bool path_known(std::string_view path) const;

  /// Model ids of the contract (keys of "models"), sorted.
  [[nodiscard]] std::vector<std::string> model_ids() const;
  /// The model's entry, or null when the model is unknown.
  [[nodiscard]] const json* model(std::string_view id) const;
  /// The model's own request schema (if it has one), applied after the operation's schema.
  [[nodiscard]] const Schema* model_request_schema(std::string_view model_id) const;

  /// The error catalog entry for a kind; throws std::out_of_range for an unknown kind.
  [[nodiscard]] const ErrorSpec& error(std::string_view kind) const;
  [[nodiscard]] bool has_error(std::string_view kind) const;
  /// Renders an error kind to a wire response, substituting "{name}" placeholders from vars. vars["location"],
  /// when given, also says where a refused field travelled ("query", "path", "header"; a template's FastAPI
  /// "loc" list names "body"): it replaces the first item of every such "loc" list.
  [[nodiscard]] HttpResponse render_error(std::string_view kind,
                                          const std::map<std::string, std::string>& vars = {}) const;

  /// The contract's "lifecycle" entry for a canonical state ("queued", "running", "succeeded", "failed",
  /// "cancelled"): {"wire": ..., "http_status": ..., ...}.
  [[nodiscard]] const json& lifecycle(std::string_view canonical_state) const;

  /// Validates a request body for an operation (and the model's own schema when model_id is given).
  [[nodiscard]] std::vector<Violation> validate_request(const Operation& op, const json& body,
                                                        std::string_view model_id = {}) const;
  /// Checks a response against the operation's schema for its status. Statuses the operation does not
  /// list are checked against the error catalog (the body must be one of the catalog's shapes).
  [[nodiscard]] std::vector<Violation> validate_response(const Operation& op, const HttpResponse& response) const;
  /// Checks that a response is the catalog's error `kind`: its HTTP status, its body's shape (literals fixed,
  /// placeholders any string) and the headers the entry sends. Empty when it is.
  [[nodiscard]] std::vector<Violation> validate_error(std::string_view kind, const HttpResponse& response) const;
  /// Checks a streamed 200 answer (an operation whose 200 is text/event-stream): each `data:` chunk (or each
  /// item of the JSON array sent without alt=sse) against the 200 schema; a chunk that is an error object
  /// against the catalog at its code.
  [[nodiscard]] std::vector<Violation> validate_stream(const Operation& op, const HttpResponse& response) const;
  /// Checks a response that no operation matched (an unknown route or method): it must be one of the
  /// catalog's error bodies at its status.
  [[nodiscard]] std::vector<Violation> validate_error_response(const HttpResponse& response) const;

  /// Checks the query parameters the operation documents (each value, a string, against its schema; a
  /// required one must be present). Undocumented parameters are not this check's business.
  [[nodiscard]] std::vector<Violation> validate_query(const Operation& op, const QueryParams& query) const;
  /// The error kind of the first parameter the operation refuses outright ("unsupported": e.g. a webhook
  /// field), looked up in the query, the headers and the top level of the JSON body; nullopt when none.
  /// Adapters check this before validate_request, so such a field gets its own error.
  [[nodiscard]] std::optional<std::string> unsupported_parameter(const Operation& op, const HttpRequest& request,
                                                                 const json& body) const;
  /// The same, with the parameter's name (for error texts that name it).
  [[nodiscard]] std::optional<UnsupportedParameter> find_unsupported_parameter(const Operation& op,
                                                                             const HttpRequest& request,
                                                                             const json& body) const;
  /// The contract's "failure_kinds" entry for a provider-neutral failure kind ("generation_failed", ...);
  /// throws std::out_of_range for a kind the contract does not map.
  [[nodiscard]] const json& failure_kind(std::string_view kind) const;

  /// Fills top-level "default" values of a schema into an object that lacks them.
  static void apply_defaults(const Schema& schema, json& body);

 private:
  /// validate_response(op, response).empty(), from a body RapidJSON read, for a response on contract.
  [[nodiscard]] bool quick_accepts(const Operation& op, const HttpResponse& response, const QuickJson& body) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Every embedded contract, in id order. Loaded, checked against contract.schema.json and compiled on first use.
const std::vector<const Contract*>& all();
/// The embedded contract of a provider; nullptr when there is none.
const Contract* find(std::string_view provider_id);
/// The embedded contract of a provider; throws std::out_of_range when there is none.
const Contract& get(std::string_view provider_id);

/// contract.schema.json, as embedded.
const json& contract_format_schema();
/// Checks a contract document against contract.schema.json (and the cross-references the schema cannot express).
std::vector<Violation> check_contract_document(const json& document);

/// Output dimensions for an upstream model, an aspect ratio and a size tier ("512", "1K", "2K", "4K"),
/// from contracts/shared/image-sizes.json. nullopt when the combination is not documented.
std::optional<std::pair<int, int>> image_dimensions(std::string_view upstream_model, std::string_view aspect_ratio,
                                                    std::string_view size_tier);
/// The whole embedded image-size table (with its sources).
const json& image_size_table();

/// The contract as an OpenAPI 3.1 document.
json to_openapi(const Contract& contract, const std::string& served_at = {});

/// A multipart/form-data request as the JSON object its operation's schema describes: a plain field is a
/// string, a file part is {"filename", "content_type", "size"}; a name used more than once, or ending in "[]"
/// (the "[]" dropped), becomes an array in part order.
json form_to_json(const std::vector<FormPart>& form);

/// Replaces every "{name}" in text with vars[name]; placeholders without a value are left as they are.
std::string substitute_placeholders(std::string_view text, const std::map<std::string, std::string>& vars);

}  // namespace nanosim::contracts
