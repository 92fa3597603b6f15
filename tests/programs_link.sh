#!/bin/sh
# Which program links HDF5, from the ELF NEEDED entries (readelf -d): only
# rnnloss-reader (the isolated reader process, which also does the bench's HDF5
# work) may; rnnloss, rnnloss-bench and rnnloss-explorer must not
# (docs/security.md).
# Also checks the reader does link it, so a broken readelf cannot pass silently.
set -u
status=0
checked=0
for exe in "$@"; do
  needed=$(readelf -d "$exe" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  if [ -z "$needed" ]; then
    echo "FAIL: no NEEDED entries read from $exe"; status=1; continue
  fi
  hdf5=$(printf '%s\n' "$needed" | grep -c '^libhdf5')
  case "$(basename "$exe")" in
    rnnloss-reader)
      if [ "$hdf5" -eq 0 ]; then echo "FAIL: $exe does not link libhdf5"; status=1
      else echo "ok: $exe links $(printf '%s\n' "$needed" | grep '^libhdf5' | tr '\n' ' ')"; fi ;;
    *)
      if [ "$hdf5" -ne 0 ]; then echo "FAIL: $exe links $(printf '%s\n' "$needed" | grep '^libhdf5' | tr '\n' ' ')"; status=1
      else echo "ok: $exe links no HDF5 ($(printf '%s\n' "$needed" | wc -l) libraries)"; fi ;;
  esac
  checked=$((checked + 1))
done
[ "$checked" -ge 3 ] || { echo "FAIL: only $checked programs checked"; status=1; }
exit $status
