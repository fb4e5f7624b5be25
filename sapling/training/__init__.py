"""Training: the procedural corpus, datasets, the LightningModule and evaluation."""
