// Small ONNX models built through the protobuf API, for the model tests.
#ifndef ZKCC_TESTS_MODEL_ONNX_BUILDER_H_
#define ZKCC_TESTS_MODEL_ONNX_BUILDER_H_

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "zkcc/base/bytes.h"

namespace zkcc::model::testing {

class ModelBuilder {
 public:
  explicit ModelBuilder(int64_t opset = 13, int64_t ir_version = 8) {
    model_.set_ir_version(ir_version);
    model_.set_producer_name("zkcc-test");
    auto* o = model_.add_opset_import();
    o->set_domain("");
    o->set_version(opset);
    model_.mutable_graph()->set_name("test");
  }

  // A FLOAT graph input; a negative dimension becomes the symbolic dimension "N".
  ModelBuilder& input(const std::string& name, const std::vector<int64_t>& dims,
                      int32_t elem_type = onnx::TensorProto::FLOAT) {
    auto* tt = model_.mutable_graph()->add_input()->mutable_type()->mutable_tensor_type();
    model_.mutable_graph()->mutable_input()->rbegin()->set_name(name);
    tt->set_elem_type(elem_type);
    auto* shape = tt->mutable_shape();
    for (int64_t d : dims) {
      if (d < 0) {
        shape->add_dim()->set_dim_param("N");
      } else {
        shape->add_dim()->set_dim_value(d);
      }
    }
    return *this;
  }

  // A graph output with element type FLOAT and, when given, a declared shape.
  ModelBuilder& output(const std::string& name, const std::vector<int64_t>& dims = {}) {
    auto* o = model_.mutable_graph()->add_output();
    o->set_name(name);
    auto* tt = o->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto::FLOAT);
    if (!dims.empty()) {
      for (int64_t d : dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
    }
    return *this;
  }

  ModelBuilder& initializer(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& values) {
    *model_.mutable_graph()->add_initializer() = tensor(name, dims, values);
    return *this;
  }

  ModelBuilder& int_initializer(const std::string& name, const std::vector<int64_t>& dims,
                                const std::vector<int64_t>& values) {
    auto* t = model_.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    for (int64_t d : dims) t->add_dims(d);
    for (int64_t v : values) t->add_int64_data(v);
    return *this;
  }

  onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs, const std::string& name = "") {
    auto* n = model_.mutable_graph()->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const auto& i : inputs) n->add_input(i);
    for (const auto& o : outputs) n->add_output(o);
    return *n;
  }

  onnx::ModelProto& proto() { return model_; }

  Bytes bytes() const {
    std::string s = model_.SerializeAsString();
    return Bytes(s.begin(), s.end());
  }

  static onnx::TensorProto tensor(const std::string& name, const std::vector<int64_t>& dims,
                                  const std::vector<float>& values) {
    onnx::TensorProto t;
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) t.add_dims(d);
    for (float v : values) t.add_float_data(v);
    return t;
  }

 private:
  onnx::ModelProto model_;
};

inline void set_attr(onnx::NodeProto& n, const std::string& name, int64_t v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
inline void set_attr(onnx::NodeProto& n, const std::string& name, float v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}
inline void set_attr(onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}
inline void set_attr(onnx::NodeProto& n, const std::string& name, const std::string& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}
inline void set_tensor_attr(onnx::NodeProto& n, const std::string& name, const onnx::TensorProto& t) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::TENSOR);
  *a->mutable_t() = t;
}

}  // namespace zkcc::model::testing

#endif  // ZKCC_TESTS_MODEL_ONNX_BUILDER_H_
