"""The dbt reference workflow from Python: read it, dry-run it, run it, look at the result.

    python docs/guide/examples/run_from_python.py http://127.0.0.1:8000
"""

import sys

import arazzo_engine

base_url = sys.argv[1]
document = arazzo_engine.load("specs/dbt/arazzo/dbt-trigger-run-and-poll-workflow.yml")

report = document.validate()
print("valid:", report.ok, "| warnings:", len(report.warnings))

outline = document.workflow("trigger-run-and-poll")  # what it needs and does; nothing sent
print("inputs:", [(i.name, i.type, i.required) for i in outline.inputs])
print("steps:", [(s.step_id, s.operation.method, s.operation.path) for s in outline.steps])

inputs = {"accountId": 70471823400001, "jobId": 70471823410007,
          "token": "dbtc_arazzo_simulator_demo_token"}
options = arazzo_engine.RunOptions(servers={"dbtAdminApi": base_url}, loop_delay=0.5,
                                   expect=("$outputs.finalStatus == 10",))

plan = document.dry_run("trigger-run-and-poll", inputs, options=options)  # sends nothing
first = plan.first
assert first is not None and first.request is not None
print("dry run, first request:", first.request.method, first.request.url)
print("  headers:", first.request.headers)

result = document.run("trigger-run-and-poll", inputs, options=options)
print("outcome:", result.outcome)
print("steps:", [(s.step_id, s.status_code) for s in result.steps])
print("finalStatus:", result.outputs["finalStatus"], "| artifacts:",
      len(result.outputs["artifacts"]))
print("expectations:", [(e.condition, e.passed) for e in result.expectations])
