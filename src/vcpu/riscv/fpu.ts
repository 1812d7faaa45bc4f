// Placeholder: the FPU helper replaces this file with the real F/D implementation.
export {};
