# install(EXPORT ...) so that users can find_package(nanosim).
include(CMakePackageConfigHelpers)
set(NANOSIM_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/nanosim")
install(TARGETS nanosim_contracts nanosim_simulator nanosim_client nanosim_conformance nanosim_testkit
  EXPORT nanosimTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY "${PROJECT_SOURCE_DIR}/tests/support/include/" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# The data the test kit and users read: fixtures (with the scenario format), contracts and their schemas.
install(DIRECTORY "${PROJECT_SOURCE_DIR}/fixtures/" DESTINATION "${CMAKE_INSTALL_DATADIR}/nanosim/fixtures")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/contracts/" DESTINATION "${CMAKE_INSTALL_DATADIR}/nanosim/contracts"
  FILES_MATCHING PATTERN "*.json" PATTERN "*.md" PATTERN "include" EXCLUDE PATTERN "src" EXCLUDE)
install(TARGETS nanosim EXPORT nanosimTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})  # nanosim::nanosim
install(DIRECTORY "${PROJECT_SOURCE_DIR}/contracts/include/" "${PROJECT_SOURCE_DIR}/simulator/include/"
                  "${PROJECT_SOURCE_DIR}/client/include/" "${PROJECT_SOURCE_DIR}/client/conformance/include/"
                  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT nanosimTargets NAMESPACE nanosim:: DESTINATION "${NANOSIM_INSTALL_CMAKEDIR}")
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/nanosimConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/nanosimConfig.cmake" INSTALL_DESTINATION "${NANOSIM_INSTALL_CMAKEDIR}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/nanosimConfigVersion.cmake" COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/nanosimConfig.cmake" "${PROJECT_BINARY_DIR}/nanosimConfigVersion.cmake"
  DESTINATION "${NANOSIM_INSTALL_CMAKEDIR}")

# A Debian package of all of it (cpack -G DEB in the build tree): the program, the libraries, the headers, the CMake
# package, the test kit and its data. Run-time libraries come from dpkg-shlibdeps; building against the package
# needs the -dev packages its CMake file finds (Recommends).
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "nanosim")
set(CPACK_PACKAGE_VENDOR "nanosim")
set(CPACK_PACKAGE_CONTACT "nanosim maintainers <nanosim@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Offline simulator of Nano Banana image-generation providers")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "devel")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)  # the program; static libraries keep their symbols
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS
  "cmake, nlohmann-json3-dev, libpng-dev, libjpeg62-turbo-dev, libwebp-dev, libcpp-httplib-dev, pkg-config")
include(CPack)
