// Carries the test suites' precompiled header (see tests/CMakeLists.txt).
