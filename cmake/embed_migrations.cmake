# Turns src/store/migrations/NNNN_name.sql into a C++ table, so that the daemon
# carries its schema and no SQL file has to be found at run time.
file(GLOB files "${SRC_DIR}/*.sql")
list(SORT files)
set(body "")
foreach(f IN LISTS files)
  get_filename_component(name "${f}" NAME_WE)
  string(SUBSTRING "${name}" 0 4 number)
  math(EXPR version "${number}")
  file(READ "${f}" sql)
  string(APPEND body "  {${version}, \"${name}\", R\"__sql__(${sql})__sql__\"},\n")
endforeach()
file(WRITE "${OUT}.tmp" "#include \"hotline/store/migrations.hpp\"\n\nnamespace hotline::store {\n\nconst std::vector<Migration>& migrations() {\n  static const std::vector<Migration> all = {\n${body}  };\n  return all;\n}\n\n}  // namespace hotline::store\n")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUT}.tmp" "${OUT}")
