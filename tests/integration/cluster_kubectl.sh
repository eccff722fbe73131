#!/bin/sh
# kubectl over a cluster of files: $STATE/<Kind>_<name>/ holds count, the
# selectors it matches (sel, one a line) and a_<KEY> per annotation
# gen.helm/<KEY>. Calls are appended to $STATE/calls.
printf '%s\n' "$*" >> "$STATE/calls"
lc() { echo "$1" | tr '[:upper:]' '[:lower:]' | tr / _; }
at() { for w in "$STATE"/*_*; do [ "$(lc "${w##*/}")" != "$(lc "$1")" ] || echo "$w"; done; }
sel='' out='' repl='' over='' n=0 p1='' p2='' p3=''
while [ $# -gt 0 ]; do
  case $1 in
  --) break ;;
  -n | -c | --timeout | --for) shift ;;
  -l) sel=$2; shift ;;
  -o) out=$2; shift ;;
  --replicas=*) repl=${1#--replicas=} ;;
  --overwrite) over=1 ;;
  -*) ;;
  *) n=$((n + 1)); eval "p$n=\$1" ;;
  esac
  shift
done
picked() {
  for w in "$STATE"/*_*; do
    if [ -n "$sel" ]; then grep -qxF "$sel" "$w/sel" || continue; fi
    echo "$w"
  done
}
# A workload as kubectl takes it: kind/name or kind name, short kinds too.
one() {
  case $1 in */*) r=$1 ;; *) r="$1/$2" ;; esac
  k=${r%%/*}
  case $k in deploy | deployments) k=deployment ;; sts | statefulsets) k=statefulset ;; esac
  at "$k/${r#*/}"
}
value() {
  case $out in
  *'{.spec.replicas}'*) cat "$1/count" ;;
  # Two labels, to show how a selector is made of them.
  *'{.spec.selector.matchLabels}'*) printf '{"app":"%s","flow":"mm2"}' "${1##*_}" ;;
  *'annotations.gen\.helm/'*) k=${out##*gen\\.helm/}; cat "$1/a_${k%%\}*}" 2>/dev/null ;;
  *) echo "fake kubectl: what to print for $out?" >&2; exit 1 ;;
  esac
}
case $p1 in
get)
  case $p2 in
  pod | pods)
    # find-pod's newest running pod.
    case $out in *'.metadata.name}'*) echo pod-0; exit 0 ;; esac
    [ "$out" = name ] || exit 0
    for w in "$STATE"/*_*; do [ "$(cat "$w/count")" = 0 ] || { echo "pod/${w##*_}-0"; }; done ;;
  deployment,statefulset)
    for w in $(picked); do
      k=${w##*/}; printf '%s/%s=%s ' "${k%%_*}" "${k#*_}" "$(value "$w")"
    done ;;
  deployment | deploy)
    w=$(one "$p2" "$p3"); [ -n "$w" ] || { echo "not found: $p3" >&2; exit 1; }
    value "$w" ;;
  */*)
    w=$(one "$p2"); [ -n "$w" ] || { echo "not found: $p2" >&2; exit 1; }
    k=${w##*/}; printf '%s/%s=%s ' "${k%%_*}" "${k#*_}" "$(value "$w")" ;;
  esac ;;
scale)
  if [ -n "$sel" ]; then ws=$(picked); else ws=$(one "$p2" "$p3"); fi
  [ -n "$ws" ] || { echo "not found: $p2 $p3" >&2; exit 1; }
  for w in $ws; do echo "$repl" > "$w/count"; done ;;
annotate)
  w=$(one "$p2"); [ -n "$w" ] || { echo "not found: $p2" >&2; exit 1; }
  k=${p3#gen.helm/}
  case $k in
  *-) rm -f "$w/a_${k%-}" ;;
  *=*) [ -z "$over" ] && [ -e "$w/a_${k%%=*}" ] && { echo "already has a value" >&2; exit 1; }
    echo "${k#*=}" > "$w/a_${k%%=*}" ;;
  esac ;;
esac
exit 0
