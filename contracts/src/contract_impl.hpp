#pragma once
// Internal: the state of a loaded Contract, shared by contract.cpp and error_catalog.cpp.
// Immutable after construction, so every const member may be used from any thread.

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nanosim/contracts/contract.hpp"
#include "route_template.hpp"

namespace nanosim::contracts {

struct CatalogEntry {
  ErrorSpec spec;
  const Schema* shape = nullptr;  // the body template as a schema: literals fixed, placeholders any string
};

struct Contract::Impl {
  json document;
  std::string id;
  std::shared_ptr<const json> definitions;  // the document's "definitions", shared by its schemas
  std::deque<Schema> schemas;  // owns every compiled schema; a deque keeps their addresses stable
  std::vector<Operation> operations;
  std::vector<detail::RouteTemplate> routes;  // routes[i] is operations[i]'s path
  std::vector<std::pair<std::size_t, detail::RouteTemplate>> aliases;  // (operation index, an "also_at" path)
  std::map<std::string, const Schema*, std::less<>> model_schemas;
  std::map<std::string, std::map<std::string, const Schema*>, std::less<>> query_schemas;  // op -> param -> schema
  std::map<std::string, CatalogEntry, std::less<>> errors;
  // The document's named entries, indexed once at load: a request looks them up by a view, allocating nothing.
  std::map<std::string, const json*, std::less<>> models;
  std::map<std::string, const json*, std::less<>> lifecycle_states;
  std::map<std::string, const json*, std::less<>> failure_kinds;

  const Schema* compile(const json& schema, const std::string& name);
  void load_operations();
  void load_errors();  // error_catalog.cpp
};

namespace detail {
/// A JSON Schema that accepts exactly the bodies a template renders to (error_catalog.cpp).
json template_shape(const json& body_template);
}  // namespace detail

}  // namespace nanosim::contracts
