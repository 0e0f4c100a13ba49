// Browser build of register-gradients.ts. Side effect: registers every gradient and chained op of
// tfjs-core, as @tensorflow/tfjs does. These ES modules of tfjs-core load in any bundler (not in
// Node, whose build imports tfjs-layers' Node bundle instead); tfjs-layers itself is not bundled.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
