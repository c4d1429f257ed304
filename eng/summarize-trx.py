#!/usr/bin/env python3
"""Adds up the TRX files in a folder (one per test run) and prints each run's counts, then 'N passed, N failed' as the
last line (skipped tests on the line before)."""
import pathlib
import sys
import xml.etree.ElementTree as ET

NS = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
folder = pathlib.Path(sys.argv[1])
passed = failed = skipped = 0
for trx in sorted(folder.glob("*.trx")):
    counters = ET.parse(trx).getroot().find(f"{NS}ResultSummary/{NS}Counters")
    if counters is None:
        continue
    run_passed = int(counters.get("passed", 0))
    run_failed = int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0))
    print(f"  {trx.stem}: {run_passed} passed, {run_failed} failed")
    passed += run_passed
    failed += run_failed
    skipped += int(counters.get("notExecuted", 0))
if skipped:
    print(f"{skipped} skipped")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or passed == 0 else 0)
