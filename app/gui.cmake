# The desktop app. rnnloss_gui holds everything but main() so tests can drive
# the real MainWindow offscreen.
add_library(rnnloss_gui STATIC
  mainwindow.cpp mainwindow.h
  computeworker.cpp computeworker.h
  loadcontroller.cpp loadcontroller.h
)
add_library(rnnloss::gui ALIAS rnnloss_gui)
set_target_properties(rnnloss_gui PROPERTIES AUTOMOC ON)
target_include_directories(rnnloss_gui PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(rnnloss_gui PUBLIC rnnloss::appcore rnnloss::widgets Qt6::Widgets)

add_executable(rnnloss-explorer main.cpp)
target_link_libraries(rnnloss-explorer PRIVATE rnnloss::gui)
add_dependencies(rnnloss-explorer rnnloss) # the reader process it starts
