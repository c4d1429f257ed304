"""Prints bench/run.sh's results (tab-separated rows) as a Markdown table."""
import sys

rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
print()
print(f"nix-watcher benchmarks, {sys.argv[2]}; {sys.argv[3]}; {sys.argv[4]}")
print()
print("| figure | measured | target | verdict | detail |")
print("|---|---|---|---|---|")
for row in rows:
    name, value, unit, target, verdict, note = (cell.replace("|", "\\|") for cell in row)
    print(f"| {name} | {value}{' ' + unit if unit else ''} | {target} | {verdict} | {note} |")
failed = sum(1 for r in rows if r[4] == "FAIL")
passed = sum(1 for r in rows if r[4] == "pass")
print()
print(f"{passed} targets met, {failed} not met")
