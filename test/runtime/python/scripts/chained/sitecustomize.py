# A sitecustomize that ours shadows: the runtime must still load it.
import builtins

builtins.CHAINED_SITECUSTOMIZE = True
