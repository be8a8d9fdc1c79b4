#!/usr/bin/env bash
# Fills fuzz/corpus/ with seeds from the example and the test fixtures.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/parse_check corpus/facts_load corpus/analyses corpus/format_roundtrip corpus/facts_parquet
find ../rules ../tests -name "*.rules" -exec cp {} corpus/parse_check/ \; -exec cp {} corpus/format_roundtrip/ \;
find ../rules ../tests \( -name '*.toml' -o -name '*.json' -o -name '*.csv' \) -exec cp {} corpus/facts_load/ \;
# A small synthetic table as the Parquet seed.
(cd .. && cargo run --quiet -- bench-data --entities 30 --unknown-percent 20 --format parquet -o fuzz/corpus/facts_parquet/coalition.parquet)
echo "seeded: $(ls corpus/parse_check | wc -l) rule files, $(ls corpus/facts_load | wc -l) facts files"
