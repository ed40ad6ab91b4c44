from setuptools import setup

setup(
    name="pm-setuppy",
    version="0.1.0",
    py_modules=["app"],
    install_requires=["gunicorn==23.0.0"],
)
