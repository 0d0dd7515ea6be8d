# The figures and tables each rendering rule writes, by name: built from psn.render.outputs, the
# one place that names each output's file and the function that draws it.

STATIC_FIGURES = stage_outputs("render_static", "figures")
STATIC_TABLES = stage_outputs("render_static", "tables")
DST_FIGURES = stage_outputs("render_dst", "figures")
DST_TABLES = stage_outputs("render_dst", "tables")
