from . import case, catalogue  # noqa: F401 - registers the admins
