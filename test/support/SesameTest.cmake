# sesame_test(NAME <name> SOURCES <files...> LIBS <targets...> [LABELS <labels...>])
# One Catch2 executable per module, registered with CTest under its labels (unit, redis, ldap, interop).
# Catch2's main is compiled once for all of them (it is the slowest file of the suite to build).
add_library(sesame_catch_main STATIC ${CMAKE_CURRENT_LIST_DIR}/catch_main.cpp)
target_link_libraries(sesame_catch_main PUBLIC Catch2::Catch2)

function(sesame_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE sesame_catch_main ${T_LIBS})
  add_test(NAME ${T_NAME} COMMAND ${T_NAME} --reporter compact)
  if(T_LABELS)
    set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}")
  endif()
endfunction()
