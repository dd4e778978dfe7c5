"""targets.codepipeline."""
