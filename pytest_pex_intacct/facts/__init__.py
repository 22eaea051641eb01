"""The company facts the checks judge: one module per fact (its reads in the batch, the parser of their
answer, its typed value and the readings that decide whether it can be judged), and the registry."""
