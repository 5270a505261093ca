#!/usr/bin/env bash
# The original ISO stage (build_initial_directories.sh + rebuild_iso.sh) as a
# shell pipeline, the baseline for bench/iso-stage.ts. Like the original it
# unpacks core.gz to disk, so it must run as root (device nodes, chroot in
# ldconfig -r); fakeroot is not enough for ldconfig's chroot.
#   original-rebuild.sh WORKDIR BUNDLE VERSION
set -euo pipefail
work=$1 bundle=$2 version=$3
rm -rf "$work" && mkdir -p "$work/bundle"
cd "$work"
tar xzf "$bundle" -C bundle
kver=$(sed -n 's/.*"kernelVersion": "\(.*\)".*/\1/p' bundle/bundle.json)

# build_initial_directories.sh
xorriso -osirrox on -indev bundle/Core-current.iso -extract / original-iso-files 2>/dev/null
chmod -R u+w original-iso-files
mkdir extract tmp newiso
(cd extract && zcat ../original-iso-files/boot/core.gz | cpio -i -H newc -d --quiet)
cp -a extract/. tmp/
for f in mk-open-vm-tools.tar.gz razor-microkernel-overlay.tar.gz ssh-setup-files.tar.gz; do
  if [ -f "bundle/dependencies/$f" ]; then tar xzf "bundle/dependencies/$f" -C tmp; fi
done
cp -a original-iso-files/boot newiso/
sed -i 's/timeout 300/timeout 100/' newiso/boot/isolinux/isolinux.cfg
rm -f newiso/boot/isolinux/boot.cat
cp bundle/COPYING bundle/LICENSE newiso/ 2>/dev/null || true

# rebuild_iso.sh
echo "mk_version: $version" > tmp/tmp/mk-version.yaml
ln -sfn "../../../usr/local/lib/modules/$kver/kernel" "tmp/lib/modules/$kver/kernel.tclocal"
depmod -a -b tmp "$kver"
ldconfig -r tmp
(cd tmp && find | cpio -o -H newc --quiet) | gzip -9 > newiso/boot/core.gz
advdef -z4 -q newiso/boot/core.gz
xorriso -as mkisofs -quiet -l -J -R -no-emul-boot -boot-load-size 4 -boot-info-table \
  -b boot/isolinux/isolinux.bin -c boot/isolinux/boot.cat -A 'Razor Microkernel' -sysid LINUX \
  -V "Razor MK ${version:0:22}" -o "rz_mk_prod-image.$version.iso" newiso 2>/dev/null
stat -c '%s' newiso/boot/core.gz
