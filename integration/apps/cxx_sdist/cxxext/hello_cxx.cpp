// A C++ extension module: needs a C++ compiler (cc1plus, from g++) at build time and
// libstdc++ at run time.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <numeric>
#include <string>
#include <vector>

static PyObject *greet(PyObject *, PyObject *) {
    std::vector<int> numbers{1, 2, 3, 4};
    std::string text = "hello from C++" + std::to_string(__cplusplus / 100 % 100) + ", sum " +
                       std::to_string(std::accumulate(numbers.begin(), numbers.end(), 0));
    return PyUnicode_FromString(text.c_str());
}

static PyMethodDef methods[] = {
    {"greet", greet, METH_NOARGS, "A greeting made by C++ code."},
    {nullptr, nullptr, 0, nullptr},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "hello_cxx", nullptr, -1, methods};

PyMODINIT_FUNC PyInit_hello_cxx(void) { return PyModule_Create(&module); }
