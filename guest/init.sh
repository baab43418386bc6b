#!/bin/busybox sh
# /init of the virtio-gpu-web test guest: loads the virtio-gpu driver chain,
# then keeps a shell on the serial port (for tools) and one on the
# framebuffer console tty1 (for people).
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp
# vgw.display=vga on the kernel command line: drive v86's Bochs VBE display, not virtio-gpu.
modules=/etc/modules.load
grep -q 'vgw.display=vga' /proc/cmdline && modules=/etc/modules.vga
for module in $(cat $modules); do
  insmod "/lib/modules/$module" || echo "vgw-init: insmod $module failed"
done
# The blinking cursor would overwrite pixels that tests check.
echo 0 > /sys/class/graphics/fbcon/cursor_blink 2>/dev/null
export PS1='guest# ' HOME=/root
mkdir -p /root
cd /root
(while true; do setsid -c sh </dev/tty1 >/dev/tty1 2>&1; done) &
echo "vgw-init: ready"
while true; do setsid -c sh </dev/ttyS0 >/dev/ttyS0 2>&1; done
