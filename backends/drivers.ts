// Which DRM device a scenario's `driver` names. A driver name picks that
// driver's device; `any` is IGT's DRIVER_ANY (lib/drmtest.h), which excludes
// the virtual drivers so that a test asking for "some real device" never gets
// vgem: ~(DRIVER_VGEM | DRIVER_VKMS | DRIVER_VIRTIO). A driver IGT does not
// know (cirrus, the simulator's i915-sim) counts as DRIVER_ANY, so it matches.

/** The `driver` value that stands for IGT's DRIVER_ANY. */
export const ANY_DRIVER = 'any';

/** The drivers DRIVER_ANY never picks. */
export const NOT_ANY_DRIVERS: readonly string[] = ['vgem', 'vkms', 'virtio_gpu'];

/** Does the device of driver `name` satisfy a request for `wanted`? */
export function matchesDriver(wanted: string, name: string): boolean {
  return wanted === ANY_DRIVER ? !NOT_ANY_DRIVERS.includes(name) : wanted === name;
}
