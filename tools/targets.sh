#!/usr/bin/env bash
# Runs the long training targets on ../shared/data (not part of ./mvnw verify): each job trains with
# the defaults and its budget, then prints the figure its target is stated in.
#
#   tools/targets.sh lm         # 20 min: char LM on tinyshakespeare, loss on the last 10 %   (target ≤ 1.55)
#   tools/targets.sh classify   # 10-fold CV over imdb+yelp, then cross-domain both ways     (target ≥ 0.78)
#   tools/targets.sh tag        # 15 min: UPOS tagger on UD English EWT, accuracy on dev     (target ≥ 0.93)
#   tools/targets.sh seq2seq    # 10 min: addition.txt shuffled, 45,000 to train, 5,000 held out (target ≥ 0.99)
#   tools/targets.sh forecast   # 10 min each: Melbourne temperatures, sunspots (targets ≤ 0.93 and ≤ 0.90 × persistence),
#                               # and the generated hourly series at horizon 24
#   tools/targets.sh numbers    # 5 min: numbers below 10^9 in words, exact match on 2,000 held-out numbers (target ≥ 0.99)
#   tools/targets.sh embeddings # tagger vectors (from 'tag', run it first) into 10-fold sentiment CV, with and without
#   tools/targets.sh all
#
# Models, curves and logs go to target/targets/. DATA=/path/to/shared/data overrides the folder.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="${DATA:-$ROOT/../shared/data}"
OUT="$ROOT/target/targets"
RNN="$ROOT/rnn"
mkdir -p "$OUT"
[[ -d "$DATA" ]] || { echo "targets: no data folder at $DATA (set DATA=...)" >&2; exit 1; }

lm() {
  local text="$DATA/tinyshakespeare.txt" chars split
  chars=$(wc -c < "$text")                           # the file is ASCII: bytes are characters
  split=$(python3 -c "print(round($chars * 0.9))")   # where 'lm train --val-fraction 0.1' splits
  tail -c +"$((split + 1))" "$text" > "$OUT/shakespeare-last10.txt"
  "$RNN" lm train --text "$text" --model "$OUT/lm.safetensors" --minutes 20 | tee "$OUT/lm.log"
  echo "== char LM, last 10 % of tinyshakespeare (target: loss ≤ 1.55)"
  "$RNN" lm eval --model "$OUT/lm.safetensors" --text "$OUT/shakespeare-last10.txt" | tee -a "$OUT/lm.log"
}

classify() {
  local imdb="$DATA/sentiment/imdb_labelled.txt" yelp="$DATA/sentiment/yelp_labelled.txt"
  echo "== sentiment, 10-fold cross-validation over imdb+yelp (target ≥ 0.78; bag-of-words LR 0.758)"
  "$RNN" classify cv --data "$imdb" --data "$yelp" --folds 10 | tee "$OUT/classify-cv.log" | grep -E "accuracy"
  echo "== trained on imdb, tested on yelp (bag-of-words LR 0.68)"
  "$RNN" classify train --data "$imdb" --model "$OUT/imdb.safetensors" > "$OUT/classify-imdb.log"
  "$RNN" classify eval --model "$OUT/imdb.safetensors" --data "$yelp"
  echo "== trained on yelp, tested on imdb (bag-of-words LR 0.64)"
  "$RNN" classify train --data "$yelp" --model "$OUT/yelp.safetensors" > "$OUT/classify-yelp.log"
  "$RNN" classify eval --model "$OUT/yelp.safetensors" --data "$imdb"
}

tag() {
  "$RNN" tag train --data "$DATA/ud-en-ewt/train.conllu" --dev "$DATA/ud-en-ewt/dev.conllu" --model "$OUT/upos.safetensors" \
      --minutes 15 | tee "$OUT/tag.log"
  echo "== UPOS on UD English EWT dev (target ≥ 0.93; most-frequent-tag baseline 0.883)"
  "$RNN" tag eval --model "$OUT/upos.safetensors" --data "$DATA/ud-en-ewt/dev.conllu"
}

seq2seq() {
  python3 - "$DATA/addition.txt" "$OUT" <<'PY'
import random, sys
lines = [l for l in open(sys.argv[1]).read().split("\n") if l.strip()]
random.Random(1).shuffle(lines)
open(sys.argv[2] + "/addition-train.txt", "w").write("\n".join(lines[:45000]) + "\n")
open(sys.argv[2] + "/addition-test.txt", "w").write("\n".join(lines[45000:]) + "\n")
PY
  "$RNN" seq2seq train --pairs "$OUT/addition-train.txt" --separator _ --model "$OUT/addition.safetensors" --minutes 10 \
      | tee "$OUT/seq2seq.log"
  echo "== addition, 5,000 held-out pairs (target ≥ 0.99; the book's reversed + peeky model: 0.976 after 47 min)"
  "$RNN" seq2seq eval --model "$OUT/addition.safetensors" --pairs "$OUT/addition-test.txt" --separator _
}

forecast() {
  local ts="$DATA/timeseries"
  # the sunspot counts' noise grows with their level: they are fitted in square-root units
  for job in "daily-min-temperatures Temp 0.93" "monthly-sunspots Sunspots 0.90 --transform sqrt"; do
    set -- $job
    "$RNN" forecast train --csv "$ts/$1.csv" --target "$2" "${@:4}" --model "$OUT/$1.safetensors" --minutes 10 \
        > "$OUT/forecast-$1.log"
    echo "== $1, last 20 %, horizon 1 (target: rmse ≤ $3 × persistence-rmse)"
    "$RNN" forecast eval --model "$OUT/$1.safetensors" --csv "$ts/$1.csv" --png "$OUT/forecast-$1.png"
  done
  "$RNN" forecast sample-data --out "$OUT/hourly.csv"
  "$RNN" forecast train --csv "$OUT/hourly.csv" --target load --features temperature,weather --horizon 24 \
      --model "$OUT/hourly.safetensors" --minutes 10 > "$OUT/forecast-hourly.log"
  echo "== generated hourly series with gaps and a categorical column, horizon 24"
  "$RNN" forecast eval --model "$OUT/hourly.safetensors" --csv "$OUT/hourly.csv" --png "$OUT/forecast-hourly.png"
}

numbers() {
  "$RNN" numbers train --model "$OUT/numbers.safetensors" --digits 9 --minutes 5 | tee "$OUT/numbers.log" | grep "exact-match"
}

embeddings() {
  local imdb="$DATA/sentiment/imdb_labelled.txt" yelp="$DATA/sentiment/yelp_labelled.txt"
  [[ -f "$OUT/upos.safetensors" ]] || tag
  "$RNN" tag export-embeddings --model "$OUT/upos.safetensors" --out "$OUT/ewt-vectors.txt"
  for variant in "" "--embeddings $OUT/ewt-vectors.txt" "--embeddings $OUT/ewt-vectors.txt --freeze-embeddings"; do
    echo "== sentiment 10-fold CV ${variant:-without pretrained vectors}"
    "$RNN" classify cv --data "$imdb" --data "$yelp" --folds 10 $variant | grep "mean accuracy"
  done
}

case "${1:-all}" in
  lm) lm ;;
  classify) classify ;;
  tag) tag ;;
  seq2seq) seq2seq ;;
  forecast) forecast ;;
  numbers) numbers ;;
  embeddings) embeddings ;;
  all) lm; classify; tag; seq2seq; forecast; numbers; embeddings ;;
  *) echo "usage: tools/targets.sh lm|classify|tag|seq2seq|forecast|numbers|embeddings|all" >&2; exit 2 ;;
esac
