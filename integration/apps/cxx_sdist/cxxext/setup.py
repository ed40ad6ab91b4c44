from setuptools import Extension, setup

setup(ext_modules=[Extension("hello_cxx", ["hello_cxx.cpp"], language="c++")])
