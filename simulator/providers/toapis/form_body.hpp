#pragma once
// ToAPIs' create-task body sent as multipart/form-data (seed 003 types reference_images as file[]): the parts
// read into the JSON body the operation's schema checks, and the uploaded files, checked to be images.

#include <string>
#include <variant>
#include <vector>

#include "../../core/provider.hpp"

namespace nanosim::providers::toapis {

/// A file uploaded under one of the contract's request.multipart.file_fields.
struct Upload {
  std::string field;  // "reference_images[0]"
  std::string note;   // "uploaded image/png 640x480"
};

struct FormBody {
  core::json body;              // the plain fields (numbers and JSON objects read as such; name[key] into name)
  std::vector<Upload> uploads;  // in part order
};

/// The body and its uploads, or the violation that refuses them (a file under another field, or a file that is
/// not an image).
std::variant<FormBody, contracts::Violation> read_form(const contracts::Operation& op, const std::vector<FormPart>& form);

}  // namespace nanosim::providers::toapis
