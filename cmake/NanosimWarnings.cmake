# Warnings as an interface target, linked privately by every project target.
add_library(nanosim_warnings INTERFACE)
target_compile_options(nanosim_warnings INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
  -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough>)
option(NANOSIM_WERROR "Treat warnings as errors" OFF)
if(NANOSIM_WERROR)
  target_compile_options(nanosim_warnings INTERFACE $<$<CXX_COMPILER_ID:GNU,Clang>:-Werror>)
endif()
