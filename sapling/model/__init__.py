"""Networks, the masking schedule, the text encoder and TreePipeline (the only sampler)."""
