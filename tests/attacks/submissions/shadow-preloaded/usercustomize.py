import os
os.environ["PTH_RAN"] = "usercustomize"
open("/tmp/.trusted-imported-fake", "w").write("usercustomize")
