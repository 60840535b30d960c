#pragma once
// JUnit files written by `nanosim check --junit`, read with Python's standard XML parser (an independent reader, so a
// file only nanosim could read fails the test).

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace nanosim::e2e {

/// "tests failures skipped cases" on the first line, then one "name verdict" line per testcase (passed, failed,
/// skipped).
inline std::string junit_summary(const std::filesystem::path& file) {
  const std::string script =
      "import sys, xml.etree.ElementTree as ET\n"
      "root = ET.parse(sys.argv[1]).getroot()\n"
      "cases = root.findall('.//testcase')\n"
      "print(root.get('tests'), root.get('failures'), root.get('skipped'), len(cases))\n"
      "for c in cases:\n"
      "    v = 'failed' if c.find('failure') is not None else 'skipped' if c.find('skipped') is not None else 'passed'\n"
      "    print(c.get('name'), v)\n";
  const std::filesystem::path script_file = file.parent_path() / "read_junit.py";
  std::ofstream(script_file) << script;
  const std::string command = "python3 " + script_file.string() + " " + file.string() + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  REQUIRE(pclose(pipe) == 0);
  return out;
}

/// The verdict of one testcase (passed, failed, skipped), or "missing".
inline std::string junit_verdict(const std::filesystem::path& file, const std::string& name) {
  std::istringstream lines(junit_summary(file));
  std::string line;
  std::getline(lines, line);  // the totals
  while (std::getline(lines, line)) {
    const auto space = line.rfind(' ');
    if (space != std::string::npos && line.compare(0, space, name) == 0 && space == name.size()) {
      return line.substr(space + 1);
    }
  }
  return "missing";
}

}  // namespace nanosim::e2e
