/** The project's guest is ready when its init said so and its serial shell printed a prompt. */
export const GUEST_READY = /vgw-init: ready[\s\S]*guest# /;
