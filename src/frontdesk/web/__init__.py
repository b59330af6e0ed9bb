"""What every HTTP door shares: dependencies, problem+json, request guards, limits, logs."""
