import os
os.environ["PTH_RAN"] = "sitecustomize"
open("/tmp/.trusted-imported-fake", "w").write("sitecustomize")
