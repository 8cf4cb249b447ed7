"""三个清单: needs (需求清单) with their figures, resources (资源清单) and projects (项目清单)."""
