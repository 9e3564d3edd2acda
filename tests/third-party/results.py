#!/usr/bin/env python3
"""Lists the tests of one run of a project's test suite, one per line:
"PASS name" or "FAIL name" (or "SKIP name"), sorted.

    results.py CTEST_JUNIT_XML [GTEST_XML_DIR]

Names come from ctest's JUnit report (one per ctest test) and, when the
project's tests use GoogleTest, from the XML report of every test binary
(GTEST_OUTPUT=xml:DIR/), so one failing gtest case shows by name.
"""
import glob
import os
import sys
import xml.etree.ElementTree as ET


def status(case):
    if case.find("failure") is not None or case.find("error") is not None:
        return "FAIL"
    if case.find("skipped") is not None or case.get("status") in ("notrun", "disabled"):
        return "SKIP"
    if case.get("result") == "skipped":
        return "SKIP"
    return "PASS"


def main():
    out = {}
    root = ET.parse(sys.argv[1]).getroot()
    for case in root.iter("testcase"):
        out["ctest:" + case.get("name")] = status(case)
    if len(sys.argv) > 2:
        for path in sorted(glob.glob(os.path.join(sys.argv[2], "*.xml"))):
            binary = os.path.splitext(os.path.basename(path))[0]
            try:
                groot = ET.parse(path).getroot()
            except ET.ParseError:  # a crashed binary leaves a partial report
                out["gtest:%s:<report>" % binary] = "FAIL"
                continue
            for case in groot.iter("testcase"):
                name = "gtest:%s:%s.%s" % (binary, case.get("classname"), case.get("name"))
                out[name] = status(case)
    for name in sorted(out):
        print(out[name], name)


if __name__ == "__main__":
    main()
