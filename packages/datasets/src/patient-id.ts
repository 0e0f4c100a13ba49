/**
 * Patient (case) id of a slice or volume name: the name without its `_frameNN` and `_slice_K`
 * suffixes. `patient001_frame01_slice_3` -> `patient001`; `patient001_frame12` -> `patient001`;
 * `phantom007_slice_2` -> `phantom007`.
 */
export function patientIdOf(name: string): string {
  const m = /^(.*?)(?:_frame\d+)?(?:_slice_?\d+)?$/.exec(name);
  return m && m[1] ? m[1] : name;
}
