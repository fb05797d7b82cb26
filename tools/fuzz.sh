#!/usr/bin/env bash
# Fuzzes one target with Jazzer (coverage-guided) for a given time; ./mvnw verify only replays the
# committed inputs. Findings are written as crash-* files next to those inputs
# (src/test/resources/.../<Class>Inputs/<target>/): fix the bug, keep the file as a reproducer.
#
#   tools/fuzz.sh TARGET [MINUTES]     TARGET: safetensors stateDict taskModel text labelledLines conllu pairs csvSeries wordVectors
#                                              vocabularyJson (rnn-models) | forward (rnn-cli); MINUTES default 10
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${1:?usage: tools/fuzz.sh TARGET [MINUTES]}"
minutes="${2:-10}"
case "$target" in
  forward) module=rnn-cli; test="ForwardFuzzTest#forward" ;;
  safetensors|stateDict|taskModel|text|labelledLines|conllu|pairs|csvSeries|wordVectors|vocabularyJson) module=rnn-models; test="ReaderFuzzTest#$target" ;;
  *) echo "fuzz: unknown target '$target'" >&2; exit 2 ;;
esac
cd "$ROOT"
./mvnw -q -B install -DskipTests -pl "$module" -am
JAZZER_FUZZ=1 JAZZER_MAX_DURATION="${minutes}m" JAZZER_INSTRUMENTATION_INCLUDES='dev.rnn.**' ./mvnw -B test -pl "$module" -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false \
    -Djazzer.max_duration="${minutes}m"
