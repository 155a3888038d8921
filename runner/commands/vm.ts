// primeci vm [VM OPTIONS] -- run [RUN OPTIONS]: the run inside a QEMU guest on a real kernel (vm/command.ts).
export { default } from '../../vm/command.ts';
