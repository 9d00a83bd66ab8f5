#!/usr/bin/python3
"""Scrapes a seam_oauth_metrics location with Prometheus's own parser
(Debian's python3-prometheus-client) and prints what it read as one JSON
object: {"content_type": ..., "families": {name: {"type": ..., "samples":
[[sample name, labels, value], ...]}}}. A page the parser refuses is an
exit status of 1 with the parser's error.

    scrape_metrics.py URL
"""
import json
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def main():
    url = sys.argv[1]
    with urllib.request.urlopen(url, timeout=10) as answer:
        content_type = answer.headers.get("Content-Type", "")
        text = answer.read().decode("utf-8")
    families = {}
    try:
        for family in text_string_to_metric_families(text):
            families[family.name] = {
                "type": family.type,
                "samples": [[s.name, s.labels, s.value]
                            for s in family.samples],
            }
    except Exception as e:  # the parser's own exceptions vary by version
        print(json.dumps({"error": "%s: %s" % (type(e).__name__, e)}))
        return 1
    print(json.dumps({"content_type": content_type, "families": families}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
