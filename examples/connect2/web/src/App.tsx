export default function App() {
  return <h1>Connect 2.0</h1>;
}
