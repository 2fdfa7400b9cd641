#!/bin/sh
# vm.sh - run bench/run.sh inside a Debian 12 guest, on Debian 12's own kernel
#
#   bench/vm.sh                        BENCH_ONLY=2 in the guest (default)
#   VM_BENCH='BENCH_ONLY="1 2"' bench/vm.sh
#
# Benchmark 2 depends on the kernel's page cache more than on slapd: on
# this project's development machines (kernel 6.18) ext4 caches a file in
# large folios, and LMDB's 4 KiB page writes into them grow dearer as the
# store grows, for plain slapd as much as for the overlay
# (docs/performance.md).  Debian 12 ships kernel 6.1, whose ext4 has no
# large folios.  This script builds a Debian 12 guest (debootstrap, the
# distribution's kernel and slapd), copies the tree with its build and
# the benchmark's certificate cache into the guest's ext4 disk, boots it
# with qemu, runs bench/run.sh there and prints what it printed.
#
# The guest runs under KVM where /dev/kvm can run it, otherwise under
# qemu's emulation (TCG), which is 10-20 times slower and changes what
# each kind of work costs: figures from an emulated guest show whether the
# growth is the kernel's, not what a real machine would measure.
#
# Environment (defaults in brackets):
#   VM_DIR [/var/cache/ldap-truststore/vm]  guest root, image, kernel (kept)
#   VM_MEM [8G]  VM_CPUS [2]                the guest's memory and CPUs
#   VM_ACCEL [auto]                         kvm, tcg or auto (kvm if it boots)
#   VM_BENCH [BENCH_ONLY=2 BENCH_WRITEMAP=0 BENCH_TMPFS=0]  run.sh's settings
#   VM_TIMEOUT [7200]                       seconds before the guest is stopped
#   VM_KERNEL []                            a trixie-backports kernel version
#                                           instead of Debian 12's (a control)
#   VM_KEEP [0]                             1: keep the guest's disk image
# Needs root (debootstrap; apt-get installs qemu-system-x86, debootstrap,
# and curl and xz-utils for VM_KERNEL), a built tree (make) and
# bench/.cache (one bench/run.sh run, or BENCH_SMOKE=1 for a small one).
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
VM=${VM_DIR:-/var/cache/ldap-truststore/vm}
MEM=${VM_MEM:-8G}
CPUS=${VM_CPUS:-2}
ACCEL=${VM_ACCEL:-auto}
BENCH=${VM_BENCH:-BENCH_ONLY=2 BENCH_WRITEMAP=0 BENCH_TMPFS=0}
TIMEOUT=${VM_TIMEOUT:-7200}
MIRROR=${VM_MIRROR:-http://deb.debian.org/debian}

say() { echo "vm: $*" >&2; }
die() { echo "vm: error: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (debootstrap, apt-get)"
[ -f "$TOP/overlay/truststore.so" ] || die "build the tree first (make)"
[ -f "$TOP/bench/.cache/pool/certs.der" ] ||
	die "no certificate cache: run bench/run.sh (or BENCH_SMOKE=1) once"

need=""
command -v qemu-system-x86_64 >/dev/null || need="$need qemu-system-x86"
command -v debootstrap >/dev/null || need="$need debootstrap"
command -v mkfs.ext4 >/dev/null || need="$need e2fsprogs"
if [ -n "${VM_KERNEL:-}" ]; then
	command -v curl >/dev/null || need="$need curl"
	command -v xzcat >/dev/null || need="$need xz-utils"
fi
if [ -n "$need" ]; then
	say "installing$need"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends $need >/dev/null || die "apt-get install$need"
fi

# The guest's root: Debian 12, its kernel, slapd and the tools run.sh
# calls; made once and kept.
root="$VM/root"
if [ ! -f "$root/.done" ]; then
	say "debootstrap bookworm into $root (a few minutes, once)"
	rm -rf "$root"
	mkdir -p "$VM"
	debootstrap --variant=minbase \
	    --include=linux-image-amd64,initramfs-tools,slapd,ldap-utils,openssl,ca-certificates,procps,gawk,e2fsprogs,kmod,udev,iproute2 \
	    bookworm "$root" "$MIRROR" > "$VM/debootstrap.log" 2>&1 ||
		{ tail -n 5 "$VM/debootstrap.log" >&2; die "debootstrap"; }
	touch "$root/.done"
fi

# VM_KERNEL=VERSION (e.g. 7.2.12+deb13-amd64): a newer Debian kernel from
# trixie-backports instead, the control: ext4 caches files in large
# folios from 6.16 on.  Its three packages are unpacked into the guest's
# root and an initrd made for it there.
if [ -n "${VM_KERNEL:-}" ]; then
	kv=$VM_KERNEL
	if [ ! -f "$root/boot/initrd.img-$kv" ]; then
		say "fetching kernel $kv from trixie-backports"
		curl -fsS -m 120 -o "$VM/Packages.xz" \
		    "$MIRROR/dists/trixie-backports/main/binary-amd64/Packages.xz" ||
			die "cannot fetch trixie-backports' package list"
		for p in linux-binary-$kv linux-modules-$kv linux-base-$kv; do
			f=$(xzcat "$VM/Packages.xz" | awk -v P="$p" \
			    '$1 == "Package:" { p = ($2 == P) } p && $1 == "Filename:" { print $2; exit }')
			[ -n "$f" ] || die "no package $p in trixie-backports"
			curl -fsS -m 600 -o "$VM/$p.deb" "$MIRROR/$f" || die "cannot fetch $p"
			dpkg-deb -x "$VM/$p.deb" "$root" || die "cannot unpack $p"
		done
		cp "$root/usr/lib/modules/$kv/vmlinuz" "$root/boot/vmlinuz-$kv"
		cp "$root/usr/lib/modules/$kv/config" "$root/boot/config-$kv"
		chroot "$root" depmod "$kv" &&
		    chroot "$root" mkinitramfs -o "/boot/initrd.img-$kv" "$kv" ||
			die "cannot make an initrd for $kv"
	fi
	kernel="$root/boot/vmlinuz-$kv" initrd="$root/boot/initrd.img-$kv"
else
	kernel=$(ls "$root"/boot/vmlinuz-*-amd64 | grep -v deb13 | tail -n 1)
	initrd=$(ls "$root"/boot/initrd.img-*-amd64 | grep -v deb13 | tail -n 1)
fi

# PID 1 of the guest: mount what run.sh needs, run it, power off.
cat > "$root/bench-init" <<'EOF'
#!/bin/sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys 2>/dev/null
mount -t devtmpfs dev /dev 2>/dev/null
mkdir -p /dev/shm && mount -t tmpfs shm /dev/shm
mount -t tmpfs tmp /tmp
mount -o remount,rw /
ip link set lo up
echo "vm-guest: kernel $(uname -r), $(nproc) cpus"
# a probe boot (vm.sh deciding whether KVM works) runs nothing
grep -qw vmprobe /proc/cmdline || /bench-cmd > /bench-out.txt 2>&1
echo "vm-guest: done, status $?"
sync
echo o > /proc/sysrq-trigger
sleep 10
EOF
{
	echo '#!/bin/sh'
	echo 'cd /proj'
	echo 'echo "guest: kernel $(uname -r), $(nproc) cpus, root $(findmnt -no FSTYPE,OPTIONS /)"'
	echo "env BENCH_WORK=/bench $BENCH bench/run.sh"
} > "$root/bench-cmd"
chmod +x "$root/bench-init" "$root/bench-cmd"

# The tree as built, and the certificate cache (not its PEM files, which
# only benchmark 3 makes, and makes again when missing).
rm -rf "$root/proj" "$root/bench"
mkdir -p "$root/proj"
(cd "$TOP" && tar -S -cf - --exclude=./.git --exclude=./bench/.run \
    --exclude=./bench/.cache/pem --exclude=./tests/.run .) |
	tar xf - -C "$root/proj"
rm -f "$root/bench-out.txt"

img="$VM/disk.img"
rm -f "$img"
truncate -s 40G "$img"
say "making the guest's ext4 disk"
mkfs.ext4 -q -F -d "$root" "$img" || die "mkfs.ext4"

# run_guest SECONDS EXTRA-APPEND QEMU-ARGS...
run_guest() {
	local secs=$1 extra=$2
	shift 2
	# -no-reboot: the guest's power-off (sysrq o) ends qemu
	timeout "$secs" qemu-system-x86_64 "$@" -smp "$CPUS" -m "$MEM" \
	    -nographic -no-reboot -kernel "$kernel" -initrd "$initrd" \
	    -append "root=/dev/vda rw init=/bench-init console=ttyS0 quiet$extra" \
	    -drive "file=$img,format=raw,if=virtio" > "$VM/console.log" 2>&1
}

# KVM inside a virtual machine may open /dev/kvm and create a VM yet never
# get the kernel going (seen on this project's machines): a probe boot
# that runs nothing decides.
if [ "$ACCEL" = auto ]; then
	ACCEL=tcg
	if [ -w /dev/kvm ] && run_guest 60 " vmprobe" -enable-kvm -cpu host &&
	    grep -q "vm-guest: done" "$VM/console.log"; then
		ACCEL=kvm
	fi
fi
say "booting $(basename "$kernel") under $ACCEL: $BENCH bench/run.sh"
case $ACCEL in
kvm) run_guest "$TIMEOUT" "" -enable-kvm -cpu host || true;;
*) run_guest "$TIMEOUT" "" -accel tcg,thread=multi -cpu max || true;;
esac
grep -q "vm-guest: done" "$VM/console.log" ||
	{ tail -n 20 "$VM/console.log" >&2; die "the guest did not finish"; }
debugfs -R "cat /bench-out.txt" "$img" 2>/dev/null
echo "vm: accelerator $ACCEL, guest $(basename "$kernel")"
# the disk holds the run's databases (a few GiB at 100,000 certificates)
[ "${VM_KEEP:-0}" = 1 ] || rm -f "$img"
