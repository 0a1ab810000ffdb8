// Tells the kernel the approval box was drawn: only then is there an Approve button to wait for.
export default {
  render({ model }) {
    model.send({ rendered: true });
  },
};
