# The desktop app. rnnloss_gui holds everything but main() so tests can drive
# the real MainWindow offscreen.
add_library(rnnloss_gui STATIC
  mainwindow.cpp mainwindow.h
  lambdamodel.cpp lambdamodel.h
  recordingset.cpp recordingset.h
  analysiscontroller.cpp analysiscontroller.h
  slicecontroller.cpp slicecontroller.h
  selectioncontroller.cpp selectioncontroller.h
  exporter.cpp exporter.h
  headlessexport.cpp headlessexport.h
  helpdialogs.cpp helpdialogs.h
  computeworker.cpp computeworker.h
  loadcontroller.cpp loadcontroller.h
  setanalysis.cpp setanalysis.h
  setcontroller.cpp setcontroller.h
  balancedialog.cpp balancedialog.h
)
add_library(rnnloss::gui ALIAS rnnloss_gui)
set_target_properties(rnnloss_gui PROPERTIES AUTOMOC ON)
target_include_directories(rnnloss_gui PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(rnnloss_gui PUBLIC rnnloss::appcore rnnloss::rawread rnnloss::widgets Qt6::Widgets)
# Help > About names the HDF5 the reader process was built with; the app itself
# never includes hdf5.h.
target_compile_definitions(rnnloss_gui PRIVATE RNNLOSS_HDF5_VERSION="${HDF5_VERSION}")
# Help > Formulas shows docs/loss.md, compiled in (the app says so when a
# source tree lacks it).
if(EXISTS "${PROJECT_SOURCE_DIR}/docs/loss.md")
  qt_add_resources(rnnloss_gui "docs"
    PREFIX "/"
    BASE "${PROJECT_SOURCE_DIR}"
    FILES "${PROJECT_SOURCE_DIR}/docs/loss.md")
endif()

add_executable(rnnloss-explorer main.cpp)
target_link_libraries(rnnloss-explorer PRIVATE rnnloss::gui)
target_compile_definitions(rnnloss-explorer PRIVATE RNNLOSS_VERSION="${PROJECT_VERSION}")
add_dependencies(rnnloss-explorer rnnloss) # the reader process it starts
