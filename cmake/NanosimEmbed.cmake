# nanosim_embed_files(<target> NAMESPACE <ns> FUNCTION <fn> BASE_DIR <dir> FILES <files...>)
# Generates a source that defines, in namespace <ns>:
#   const std::vector<std::pair<std::string_view, std::string_view>>& <fn>();
# returning (path relative to BASE_DIR, contents) for each file, and adds it to <target>.
# The files are re-embedded whenever they change.
function(nanosim_embed_files target)
  cmake_parse_arguments(ARG "" "NAMESPACE;FUNCTION;BASE_DIR" "FILES" ${ARGN})
  set(out "${CMAKE_CURRENT_BINARY_DIR}/embedded_${ARG_FUNCTION}.cpp")
  add_custom_command(
    OUTPUT "${out}"
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DNAMESPACE=${ARG_NAMESPACE} -DFUNCTION=${ARG_FUNCTION}
            -DBASE_DIR=${ARG_BASE_DIR} "-DFILES=${ARG_FILES}" -P "${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake"
    DEPENDS ${ARG_FILES} "${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake"
    COMMENT "Embedding ${ARG_FUNCTION}"
    VERBATIM)
  target_sources(${target} PRIVATE "${out}")
  # Mostly one large array: nothing to share with other sources in a unity build, and its names would clash there.
  set_source_files_properties("${out}" PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
endfunction()
