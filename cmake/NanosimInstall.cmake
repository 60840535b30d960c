# install(EXPORT ...) so that users can find_package(nanosim).
include(CMakePackageConfigHelpers)
set(NANOSIM_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/nanosim")
install(TARGETS nanosim_contracts nanosim_simulator nanosim_client nanosim_conformance nanosim_warnings
  EXPORT nanosimTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET nanosim_testkit)
  install(TARGETS nanosim_testkit EXPORT nanosimTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY "${PROJECT_SOURCE_DIR}/tests/support/include/" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()
install(TARGETS nanosim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY "${PROJECT_SOURCE_DIR}/contracts/include/" "${PROJECT_SOURCE_DIR}/simulator/include/"
                  "${PROJECT_SOURCE_DIR}/client/include/" "${PROJECT_SOURCE_DIR}/client/conformance/include/"
                  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT nanosimTargets NAMESPACE nanosim:: DESTINATION "${NANOSIM_INSTALL_CMAKEDIR}")
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/nanosimConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/nanosimConfig.cmake" INSTALL_DESTINATION "${NANOSIM_INSTALL_CMAKEDIR}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/nanosimConfigVersion.cmake" COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/nanosimConfig.cmake" "${PROJECT_BINARY_DIR}/nanosimConfigVersion.cmake"
  DESTINATION "${NANOSIM_INSTALL_CMAKEDIR}")
