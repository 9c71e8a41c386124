"""Small wishes (点亮微心愿): writing one, the coordinators verifying it, donors lighting it."""
