#!/bin/busybox sh
# /init of the virtio-gpu-web test guest: loads the virtio-gpu driver chain,
# then keeps a shell on the serial port (for tools) and one on the
# framebuffer console tty1 (for people). The 3d image runs it twice: from
# the initramfs, which loads the drivers and switches to the root disk, and
# then as the disk's own /init.
/bin/busybox --install -s /bin
# On the 3d image's disk these are already mounted: the initramfs moved them there.
[ -e /proc/self ] || mount -t proc proc /proc
[ -d /sys/kernel ] || mount -t sysfs sysfs /sys
[ -e /dev/null ] || mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
load_modules() {
  for module in $(cat "$1"); do
    # A module two lists share (virtio, for the disk's input devices) is loaded once.
    [ -d "/sys/module/$(basename "$module" .ko | tr - _)" ] && continue
    insmod "/lib/modules/$module" || echo "vgw-init: insmod $module failed"
  done
}
# vgw.display=vga on the kernel command line: drive v86's Bochs VBE display, not virtio-gpu.
modules=/etc/modules.load
grep -q 'vgw.display=vga' /proc/cmdline && modules=/etc/modules.vga
[ -f $modules ] && load_modules $modules
if [ -f /etc/modules.disk ]; then
  load_modules /etc/modules.disk
  tries=0
  while [ ! -b /dev/sda ] && [ $tries -lt 100 ]; do sleep 0.1; tries=$((tries + 1)); done
  mkdir -p /disk
  if mount -t ext4 /dev/sda /disk; then
    for fs in proc sys dev; do mount --move /$fs /disk/$fs; done
    exec switch_root /disk /init
  fi
  echo "vgw-init: cannot mount the root disk /dev/sda"
fi
# The blinking cursor would overwrite pixels that tests check.
echo 0 > /sys/class/graphics/fbcon/cursor_blink 2>/dev/null
export PS1='guest# ' HOME=/root
mkdir -p /root
cd /root
(while true; do setsid -c sh </dev/tty1 >/dev/tty1 2>&1; done) &
echo "vgw-init: ready"
while true; do setsid -c sh </dev/ttyS0 >/dev/ttyS0 2>&1; done
