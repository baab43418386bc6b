/** Kernel command line of the project's test guest (FIELD-NOTES: fast, quiet boots; ttyS0 last, so it is /dev/console). */
export const GUEST_CMDLINE = 'console=tty0 console=ttyS0 quiet cryptomgr.notests noisapnp tsc=reliable mitigations=off';
